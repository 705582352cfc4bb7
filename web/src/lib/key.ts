// The API key the dashboard sends: kept for the browser session (sessionStorage), taken from a
// `#key=` login link once and then wiped from the address bar so it is not bookmarked or shared.
const STORAGE = 'loupe.key';

export function takeKeyFromLocation(): void {
  const m = /(?:^|[#&])key=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  setKey(decodeURIComponent(m[1]));
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
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
