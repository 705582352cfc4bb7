// The project's own price entries: one row each, newest date first within a pattern, with Edit
// (fills the form) and Delete (asks first, in the row).
import { PriceColumns } from './price-columns';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { errorText } from '../lib/api';
import { deletePrice, entryKey, fmtEffective, fmtPerMillion, QUERY, type PriceEntry } from './prices-api';

interface Props {
  entries: PriceEntry[];
  /** The entry the form is editing, to mark its row. */
  editing: PriceEntry | null;
  onEdit: (p: PriceEntry) => void;
}

const order = (a: PriceEntry, b: PriceEntry) => a.modelPattern.localeCompare(b.modelPattern) || Date.parse(b.effectiveFrom) - Date.parse(a.effectiveFrom);

export function PriceOverrides({ entries, editing, onEdit }: Props) {
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: deletePrice,
    onSuccess: async () => {
      setConfirming(null);
      await qc.invalidateQueries({ queryKey: QUERY });
    },
  });
  if (entries.length === 0) {
    return <p className="faint" data-testid="no-overrides">No overrides: every model is priced from the built-in table below.</p>;
  }
  return (
    <table className="settings-table prices-table" data-testid="overrides">
      <PriceColumns actions="Actions" />
      <tbody>
        {[...entries].sort(order).map((p) => {
          const k = entryKey(p);
          const asking = confirming === k;
          return (
            <Fragment key={k}>
              <tr data-testid="override-row" data-pattern={p.modelPattern} className={editing && entryKey(editing) === k ? 'editing' : asking ? 'asking' : undefined}>
                <td><code>{p.modelPattern}</code></td>
                <td className="num">{fmtPerMillion(p.inputPrice)}</td>
                <td className="num">{fmtPerMillion(p.outputPrice)}</td>
                <td className="num">{p.cacheReadPrice === null ? <span className="faint" title="cache reads cost the input price">= input</span> : fmtPerMillion(p.cacheReadPrice)}</td>
                <td data-testid="override-from">{fmtEffective(p.effectiveFrom)}</td>
                <td className="actions">
                  <button type="button" className="btn small" data-testid="override-edit" onClick={() => onEdit(p)}>Edit</button>
                  <button type="button" className="btn small" data-testid="override-delete" disabled={asking}
                    onClick={() => { remove.reset(); setConfirming(k); }}>Delete…</button>
                </td>
              </tr>
              {asking && (
                // A row of its own under the entry, so the question and any refusal get the table's width.
                <tr className="confirm-row asking" data-testid="override-confirm">
                  <td colSpan={6}>
                    <div className="confirm" role="group" aria-label={`delete ${p.modelPattern}?`}>
                      <span>
                        Delete the price of <code>{p.modelPattern}</code> from {fmtEffective(p.effectiveFrom)}? Spans stored after this are priced by
                        what is left (an earlier entry, or the built-in table); costs already stored stay.
                      </span>
                      <button type="button" className="btn small danger" disabled={remove.isPending} data-testid="override-delete-confirm" onClick={() => remove.mutate(p)}>
                        {remove.isPending ? 'Deleting…' : 'Delete'}
                      </button>
                      <button type="button" className="btn small" onClick={() => { setConfirming(null); remove.reset(); }}>Keep it</button>
                    </div>
                    {remove.isError && <div className="field-error" role="alert">{errorText(remove.error)}</div>}
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
