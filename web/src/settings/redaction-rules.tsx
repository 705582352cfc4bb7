// The custom rules of Settings › Redaction as an editable table: one row per rule with every field
// the API takes (name, pattern, flags, replacement, fields), what it masked so far, and removal.
import type { RedactionField } from './types';
import { FIELDS } from './types';
import { newRule, type DraftRule } from './redaction-draft';

const FLAGS: ReadonlyArray<{ flag: string; title: string }> = [
  { flag: 'i', title: 'ignore case' },
  { flag: 'm', title: 'multiline: ^ and $ match at line breaks' },
  { flag: 's', title: 'dot matches line breaks' },
  { flag: 'u', title: 'unicode' },
];

interface Props {
  rules: DraftRule[];
  masked: Record<string, number>;
  onChange: (rules: DraftRule[]) => void;
}

export function CustomRulesTable({ rules, masked, onChange }: Props) {
  const update = (id: number, patch: Partial<DraftRule>) => onChange(rules.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const toggleFlag = (r: DraftRule, flag: string) =>
    // Kept in imsu order so an unchanged rule compares equal to the stored one.
    update(r.id, { flags: FLAGS.map((f) => f.flag).filter((f) => (f === flag ? !r.flags.includes(f) : r.flags.includes(f))).join('') });
  const toggleField = (r: DraftRule, field: RedactionField) =>
    update(r.id, { fields: FIELDS.filter((f) => (f === field ? !r.fields.includes(f) : r.fields.includes(f))) });

  return (
    <div className="rules">
      {rules.length === 0 ? (
        <p className="faint" data-testid="no-custom-rules">No custom rules. Add one to mask what the built-ins do not know, such as your own ticket or customer numbers.</p>
      ) : (
        <table className="rules-table" data-testid="custom-rules">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Pattern</th>
              <th scope="col">Flags</th>
              <th scope="col">Replacement</th>
              <th scope="col">Fields <span className="faint">(none: all)</span></th>
              <th scope="col" className="num">Masked</th>
              <th scope="col"><span className="visually-hidden">Remove</span></th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r, i) => {
              const label = `rule ${i + 1}`;
              return (
                <tr key={r.id} data-testid="custom-rule">
                  <td>
                    <input className="input mono" aria-label={`${label} name`} placeholder="ticket" value={r.name} data-testid="rule-name"
                      // A rule just added takes the focus, so the keyboard carries on into it.
                      autoFocus={r.name === '' && i === rules.length - 1}
                      onChange={(e) => update(r.id, { name: e.target.value })} />
                  </td>
                  <td>
                    <input className="input mono pattern" aria-label={`${label} pattern (a JavaScript regular expression, without slashes)`} placeholder="TICKET-\d{4,8}"
                      value={r.pattern} data-testid="rule-pattern" spellCheck={false} onChange={(e) => update(r.id, { pattern: e.target.value })} />
                  </td>
                  <td>
                    <div className="checks" role="group" aria-label={`${label} flags`}>
                      {FLAGS.map((f) => (
                        <label key={f.flag} title={f.title} className="check mono">
                          <input type="checkbox" checked={r.flags.includes(f.flag)} onChange={() => toggleFlag(r, f.flag)} aria-label={`${label} flag ${f.flag}: ${f.title}`} />
                          {f.flag}
                        </label>
                      ))}
                    </div>
                  </td>
                  <td>
                    <input className="input mono" aria-label={`${label} replacement (empty: [REDACTED:name])`} value={r.replacement} data-testid="rule-replacement"
                      placeholder={`[REDACTED:${r.name.trim() || 'name'}]`} onChange={(e) => update(r.id, { replacement: e.target.value })} />
                  </td>
                  <td>
                    <div className="checks fields" role="group" aria-label={`${label} fields`}>
                      {FIELDS.map((f) => (
                        <label key={f} className="check">
                          <input type="checkbox" checked={r.fields.includes(f)} onChange={() => toggleField(r, f)} aria-label={`${label} field ${f}`} />
                          {f}
                        </label>
                      ))}
                    </div>
                  </td>
                  <td className="num" data-testid="rule-masked">{masked[r.name.trim()] ?? 0}</td>
                  <td>
                    <button type="button" className="btn small" aria-label={`remove ${label}${r.name ? ` (${r.name})` : ''}`} data-testid="rule-remove"
                      onClick={() => onChange(rules.filter((x) => x.id !== r.id))}>Remove</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" className="btn" data-testid="rule-add" disabled={rules.length >= 50}
        title={rules.length >= 50 ? 'at most 50 rules' : undefined} onClick={() => onChange([...rules, newRule()])}>+ Add a rule</button>
    </div>
  );
}
