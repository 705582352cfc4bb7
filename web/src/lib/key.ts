// The API key the dashboard sends, kept for the browser session: in this tab's sessionStorage,
// handed to a new tab of the same dashboard that asks for it (BroadcastChannel: a link opened in
// a new tab starts with empty sessionStorage), and forgotten by every tab on logout. A `#key=`
// login link is read once and wiped from the address bar so it is not bookmarked or shared.
const STORAGE = 'loupe.key';
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('loupe.key');

type Message = { type: 'ask' } | { type: 'key'; key: string } | { type: 'logout' };

const onLogout = new Set<() => void>();

channel?.addEventListener('message', (e: MessageEvent<Message>) => {
  const m = e.data;
  if (m.type === 'ask') {
    const key = getKey();
    if (key) channel.postMessage({ type: 'key', key } satisfies Message);
  } else if (m.type === 'logout') {
    sessionStorage.removeItem(STORAGE);
    onLogout.forEach((f) => f());
  }
});

export function takeKeyFromLocation(): void {
  const m = /(?:^|[#&])key=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  try {
    setKey(decodeURIComponent(m[1]));
  } catch {
    // A mangled link: the login page asks for the key instead.
  }
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
}

/** Asks the dashboard's other tabs for their key; resolves null when none answers in time. */
export function askOtherTabs(ms = 250): Promise<string | null> {
  if (!channel || getKey()) return Promise.resolve(getKey());
  return new Promise((resolve) => {
    const done = (key: string | null) => {
      channel.removeEventListener('message', listen);
      clearTimeout(timer);
      resolve(key);
    };
    const listen = (e: MessageEvent<Message>) => {
      if (e.data.type === 'key') {
        setKey(e.data.key);
        done(e.data.key);
      }
    };
    const timer = setTimeout(() => done(null), ms);
    channel.addEventListener('message', listen);
    channel.postMessage({ type: 'ask' } satisfies Message);
  });
}

export function getKey(): string | null {
  return sessionStorage.getItem(STORAGE);
}

export function setKey(key: string): void {
  sessionStorage.setItem(STORAGE, key.trim());
}

export function clearKey(): void {
  sessionStorage.removeItem(STORAGE);
}

/** Logs every tab out. */
export function logoutEverywhere(): void {
  clearKey();
  channel?.postMessage({ type: 'logout' } satisfies Message);
}

export function whenLoggedOutElsewhere(f: () => void): () => void {
  onLogout.add(f);
  return () => {
    onLogout.delete(f);
  };
}
