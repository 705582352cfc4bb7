// A copy-to-clipboard button with a brief "copied" state, shared by the panel's sections and rows.
import { useEffect, useRef, useState, type MouseEvent } from 'react';

// Self-hosted Loupe is often served over plain http on a LAN, where navigator.clipboard does not
// exist (it needs a secure context): fall back to the old textarea + execCommand route.
async function writeClipboard(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy route
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

export function CopyButton({ text, label = 'copy', title, className = '' }: {
  /** The text, or a function making it: large JSON is stringified only when clicked. */
  text: string | (() => string);
  label?: string;
  title?: string;
  className?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const onClick = async (e: MouseEvent) => {
    // Rows and section headers toggle on click; copying must not.
    e.stopPropagation();
    const ok = await writeClipboard(typeof text === 'function' ? text() : text);
    setState(ok ? 'copied' : 'failed');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 1200);
  };

  return (
    <button type="button" className={`btn small sp-copy ${state} ${className}`} data-testid="copy" title={title ?? 'Copy to clipboard'} onClick={onClick}>
      {state === 'copied' ? 'copied' : state === 'failed' ? 'copy failed' : label}
    </button>
  );
}
