// The Settings area: a left list of sections and the chosen one, each at /settings/<section>.
// Every section changes the key's project and its API wants the admin scope, so a key without it
// is told what it needs instead of a page of failing calls.
import type { JSX } from 'react';
import { useEffect } from 'react';
import { linkClick, navigate, useLocation } from '../lib/router';
import type { WhoAmI } from '../lib/types';
import { KeySettings } from '../settings/keys';
import { PriceSettings } from '../settings/prices';
import { RedactionSettings } from '../settings/redaction';
import { RetentionSettings } from '../settings/retention';
import { SamplingSettings } from '../settings/sampling';
import '../settings/settings.css';

interface Section {
  /** The URL segment: /settings/<slug>. */
  slug: string;
  title: string;
  /** Pages that do not need to know the key may ignore `me`. */
  Page: (props: { me: WhoAmI }) => JSX.Element;
}

/** A new section is one entry here; the first is where /settings goes. */
const SECTIONS: readonly Section[] = [
  { slug: 'retention', title: 'Retention', Page: RetentionSettings },
  { slug: 'redaction', title: 'Redaction', Page: RedactionSettings },
  { slug: 'sampling', title: 'Sampling', Page: SamplingSettings },
  { slug: 'prices', title: 'Model prices', Page: PriceSettings },
  { slug: 'keys', title: 'API keys', Page: KeySettings },
];

export function SettingsPage({ me }: { me: WhoAmI }) {
  const { path } = useLocation();
  const slug = path.replace(/^\/settings\/?/, '').replace(/\/$/, '');
  useEffect(() => {
    // Replace, not push: back from the first section should not land on the bare /settings again.
    if (slug === '') navigate(`/settings/${SECTIONS[0].slug}`, { replace: true });
  }, [slug]);

  if (!me.scopes.includes('admin')) return <NeedsAdmin me={me} />;
  const section = SECTIONS.find((s) => s.slug === slug);
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="settings sections">
        <h2>Settings</h2>
        {SECTIONS.map((s) => (
          <a key={s.slug} href={`/settings/${s.slug}`} onClick={linkClick} className={s === section ? 'active' : ''}
            aria-current={s === section ? 'page' : undefined} data-testid={`settings-nav-${s.slug}`}>
            {s.title}
          </a>
        ))}
      </nav>
      <div className="settings-body">
        {section ? <section.Page key={section.slug} me={me} /> : slug && (
          <div className="empty">
            <h2>No settings section “{slug}”</h2>
            <a href={`/settings/${SECTIONS[0].slug}`} onClick={linkClick}>Go to {SECTIONS[0].title}</a>
          </div>
        )}
      </div>
    </div>
  );
}

function NeedsAdmin({ me }: { me: WhoAmI }) {
  return (
    <div className="empty" data-testid="needs-admin">
      <h2>Settings need an admin key</h2>
      <p>
        The key has the scope{me.scopes.length === 1 ? '' : 's'} <b>{me.scopes.join(', ') || 'none'}</b>; changing the project's
        retention, redaction, sampling, prices and keys needs a key with <code>admin</code>. Make one on the server
        with <code>npx loupe keys create --project {me.project.name} --scopes admin</code> (the first <code>npm start</code> also
        saved one to <code>data/admin-key.txt</code>) and log in with it.
      </p>
      <a href="/traces" onClick={linkClick}>Back to the traces</a>
    </div>
  );
}
