// The form that adds a project price override or edits one. An edit that moves the entry (a new
// pattern or date) writes the new entry first and removes the old one only once that is stored,
// so a refused edit loses nothing.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorText } from '../lib/api';
import { fieldErrors, inputOf, type PriceDraft, type PriceField } from './price-draft';
import { deletePrice, entryKey, putPrice, QUERY, type PriceEntry, type PriceInput } from './prices-api';

interface Props {
  draft: PriceDraft;
  onChange: (d: PriceDraft) => void;
  onDone: () => void;
}

/** Whether the answer to the PUT holds the written entry apart from the edited one (the server may normalise the pattern onto it). */
function storedApart(data: PriceEntry[], input: PriceInput, old: PriceEntry): boolean {
  const from = Date.parse(input.effectiveFrom ?? '1970-01-01T00:00:00Z');
  return data.some((e) => entryKey(e) !== entryKey(old) && Date.parse(e.effectiveFrom) === from && e.inputPrice === input.inputPrice
    && e.outputPrice === input.outputPrice && e.cacheReadPrice === (input.cacheReadPrice ?? null));
}

export function PriceForm({ draft, onChange, onDone }: Props) {
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: async (d: PriceDraft) => {
      const input = inputOf(d);
      const answer = await putPrice(input);
      if (d.editing && storedApart(answer.data, input, d.editing)) await deletePrice(d.editing);
    },
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: QUERY });
      onDone();
    },
  });
  const errors = save.isError ? fieldErrors(save.error) : {};
  const general = save.isError && Object.keys(errors).length === 0 ? errorText(save.error) : null;
  const set = (field: keyof PriceDraft) => (e: React.ChangeEvent<HTMLInputElement>) => onChange({ ...draft, [field]: e.target.value });

  const field = (name: PriceField, label: string, hint: string, input: React.ReactElement) => (
    <label className="price-field" data-testid={`price-field-${name}`}>
      <span className="block-label">{label}</span>
      {input}
      <span className="faint hint">{hint}</span>
      {errors[name] && <span className="field-error" id={`price-${name}-error`} role="alert" data-testid={`price-error-${name}`}>{errors[name]}</span>}
    </label>
  );
  const money = (name: 'input' | 'output' | 'cacheRead', label: string, hint: string, placeholder: string) =>
    field(name, label, hint, (
      <span className="money">
        <span className="faint">$</span>
        <input className={`input num${errors[name] ? ' invalid' : ''}`} type="number" min={0} step="any" inputMode="decimal" value={draft[name]}
          placeholder={placeholder} onChange={set(name)} data-testid={`price-${name}`}
          aria-invalid={errors[name] ? true : undefined} aria-describedby={errors[name] ? `price-${name}-error` : undefined} />
        <span className="faint">/ 1M</span>
      </span>
    ));

  return (
    <form className="price-form" data-testid="price-form" noValidate
      onSubmit={(e) => { e.preventDefault(); save.mutate(draft); }}>
      <h3>{draft.editing ? <>Edit the override for <code>{draft.editing.modelPattern}</code></> : 'Add an override'}</h3>
      <div className="price-fields">
        {field('modelPattern', 'Model pattern', 'a family (gpt-4o) or a glob (acme-*)', (
          // The form is mounted afresh each time it is opened (for a row or blank): the keyboard starts in it.
          <input autoFocus className={`input mono${errors.modelPattern ? ' invalid' : ''}`} value={draft.modelPattern} onChange={set('modelPattern')}
            placeholder="gpt-4o" spellCheck={false} data-testid="price-pattern" aria-invalid={errors.modelPattern ? true : undefined} />
        ))}
        {money('input', 'Input', 'per million input tokens', '2.50')}
        {money('output', 'Output', 'per million output tokens', '10.00')}
        {money('cacheRead', 'Cache read', 'empty: the input price', 'input')}
        {field('from', 'Effective from (UTC)', 'empty: always', (
          <input className={`input${errors.from ? ' invalid' : ''}`} type="date" value={draft.from} onChange={set('from')} data-testid="price-from"
            aria-invalid={errors.from ? true : undefined} />
        ))}
      </div>
      <div className="settings-actions">
        <button className="btn primary" type="submit" disabled={save.isPending} data-testid="price-save">
          {save.isPending ? 'Saving…' : draft.editing ? 'Save the override' : 'Add the override'}
        </button>
        <button type="button" className="btn" disabled={save.isPending} data-testid="price-cancel" onClick={() => { save.reset(); onDone(); }}>Cancel</button>
      </div>
      {general && <div className="field-error" role="alert" data-testid="price-error">{general}</div>}
    </form>
  );
}
