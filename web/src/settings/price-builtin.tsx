// The built-in price table (src/cost/prices.ts), searchable by model, each row marked when the
// project overrides that pattern, and offering to start an override from its numbers.
import { PriceColumns } from './price-columns';
import { useMemo, useState } from 'react';
import { entryKey, fmtEffective, fmtPerMillion, type PriceEntry } from './prices-api';

interface Props {
  builtin: PriceEntry[];
  overridden: ReadonlySet<string>;
  onOverride: (p: PriceEntry) => void;
}

export function BuiltinPrices({ builtin, overridden, onOverride }: Props) {
  const [search, setSearch] = useState('');
  const rows = useMemo(() => {
    // Words in any order: "sonnet 3-5" finds claude-3-5-sonnet.
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return builtin.filter((p) => words.every((w) => p.modelPattern.toLowerCase().includes(w)));
  }, [builtin, search]);
  return (
    <>
      <div className="price-search">
        <input className="input" type="search" placeholder="Search models (gpt-4o, claude, gemini…)" aria-label="search the built-in prices"
          value={search} onChange={(e) => setSearch(e.target.value)} data-testid="builtin-search" />
        <span className="faint" data-testid="builtin-count">{rows.length === builtin.length ? `${builtin.length} entries` : `${rows.length} of ${builtin.length}`}</span>
      </div>
      {rows.length === 0 ? (
        <p className="faint" data-testid="builtin-none">No built-in price matches “{search}”. Add an override above to price it.</p>
      ) : (
        <div className="builtin-scroll">
          <table className="settings-table prices-table" data-testid="builtin">
            <PriceColumns actions="Override" />
            <tbody>
              {rows.map((p) => (
                <tr key={entryKey(p)} data-testid="builtin-row" data-pattern={p.modelPattern}>
                  <td>
                    <code>{p.modelPattern}</code>
                    {overridden.has(p.modelPattern) && <span className="badge overridden" title="the project has its own price for this pattern">overridden</span>}
                  </td>
                  <td className="num">{fmtPerMillion(p.inputPrice)}</td>
                  <td className="num">{fmtPerMillion(p.outputPrice)}</td>
                  <td className="num">{p.cacheReadPrice === null ? <span className="faint">= input</span> : fmtPerMillion(p.cacheReadPrice)}</td>
                  <td>{fmtEffective(p.effectiveFrom)}</td>
                  <td className="actions">
                    <button type="button" className="btn small" data-testid="builtin-override" aria-label={`override ${p.modelPattern}`} onClick={() => onOverride(p)}>Override</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
