// Settings › Model prices (docs/cost.md): the project's own price entries (add, edit, delete, each
// from an effective date), a check of which price a model name gets, and the built-in table.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { errorText } from '../lib/api';
import { BuiltinPrices } from './price-builtin';
import { PriceCheck } from './price-check';
import { draftOf, emptyDraft, type PriceDraft } from './price-draft';
import { PriceForm } from './price-form';
import { PriceOverrides } from './price-overrides';
import { getPrices, QUERY, type PriceEntry } from './prices-api';
import './prices.css';

export function PriceSettings() {
  const prices = useQuery({ queryKey: QUERY, queryFn: getPrices, staleTime: 0 });
  // The open form and a counter that remounts it on every opening (fresh errors, focus in its first box).
  const [form, setForm] = useState<{ draft: PriceDraft; n: number } | null>(null);
  const overridden = useMemo(() => new Set(prices.data?.data.map((p) => p.modelPattern)), [prices.data]);
  const open = (draft: PriceDraft) => setForm((f) => ({ draft, n: (f?.n ?? 0) + 1 }));

  if (prices.isPending) return <p className="muted">Loading the prices…</p>;
  if (prices.isError) return <div className="error-box" role="alert"><b>Cannot read the prices.</b> {errorText(prices.error)}</div>;

  const edit = (p: PriceEntry) => open(draftOf(p, true));
  return (
    <div className="settings-section" data-testid="prices">
      <h1>Model prices</h1>
      <p className="muted">
        When an LLM or embedding span is stored without a cost of its own, Loupe prices it from its model and token counts:
        the most specific pattern matching the model wins (<code>gpt-4o</code> matches <code>openai/gpt-4o-2024-08-06</code>),
        and of its entries the latest one effective at the span's start time. A project override wins over the built-in
        entry of the same pattern. A change applies to spans stored after it; costs already stored are not rewritten.
        Prices are in US dollars per million tokens here (per token in the API). See <code>docs/cost.md</code>.
      </p>

      <section className="settings-block" aria-labelledby="overrides-title">
        <h2 id="overrides-title">This project's prices</h2>
        <PriceOverrides entries={prices.data.data} editing={form?.draft.editing ?? null} onEdit={edit} />
        {form ? (
          <PriceForm key={form.n} draft={form.draft} onChange={(draft) => setForm({ ...form, draft })} onDone={() => setForm(null)} />
        ) : (
          <div className="settings-actions">
            <button type="button" className="btn" data-testid="price-add" onClick={() => open(emptyDraft())}>+ Add an override</button>
          </div>
        )}
      </section>

      <section className="settings-block" aria-labelledby="check-title">
        <h2 id="check-title">Which price applies?</h2>
        <PriceCheck />
      </section>

      <section className="settings-block" aria-labelledby="builtin-title">
        <h2 id="builtin-title">Built-in prices</h2>
        <p className="muted">Vendors' list prices, standard tier. Override one to start from its numbers.</p>
        <BuiltinPrices builtin={prices.data.builtin} overridden={overridden} onOverride={(p) => open(draftOf(p, false))} />
      </section>
    </div>
  );
}
