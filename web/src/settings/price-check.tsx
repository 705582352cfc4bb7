// "Which price applies?": a model name resolved by the server's own matcher (GET
// /api/v1/prices?model=), so what it shows is what the next span of that model is charged.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { errorText } from '../lib/api';
import { fmtEffective, fmtPerMillion, lookupPrice } from './prices-api';

export function PriceCheck() {
  const [model, setModel] = useState('');
  const check = useMutation({ mutationFn: (m: string) => lookupPrice(m).then((r) => r.match) });
  const match = check.data;
  return (
    <form className="price-check" noValidate onSubmit={(e) => { e.preventDefault(); if (model.trim()) check.mutate(model.trim()); }}>
      <input className="input mono" placeholder="openai/gpt-4o-2024-08-06" aria-label="a model name to price" value={model} spellCheck={false}
        onChange={(e) => setModel(e.target.value)} data-testid="price-check-model" />
      <button type="submit" className="btn" disabled={check.isPending || model.trim() === ''} data-testid="price-check-run">Check</button>
      <span className="price-check-answer" aria-live="polite" data-testid="price-check-answer">
        {check.isError && <span className="status-error">{errorText(check.error)}</span>}
        {match && (match.price === null ? (
          <span>No price for <code>{match.model}</code> now: its spans get no cost unless the sender gives one.</span>
        ) : (
          <span>
            <code>{match.model}</code> is priced by <code>{match.price.modelPattern}</code> ({match.price.source === 'project' ? 'this project' : 'built-in'},
            from {fmtEffective(match.price.effectiveFrom)}): {fmtPerMillion(match.price.inputPrice)} in, {fmtPerMillion(match.price.outputPrice)} out per 1M tokens.
          </span>
        ))}
      </span>
    </form>
  );
}
