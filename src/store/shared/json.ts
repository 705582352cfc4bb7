// JSON text columns: how values go in and come out of SQLite.

/** undefined means "not said" (NULL, so COALESCE keeps the stored value). */
export function toJson(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

export function fromJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  return JSON.parse(text) as T;
}

/** Plain text for the full-text index: strings as they are, anything else as its JSON. */
export function searchText(json: string | null): string {
  if (json === null) return '';
  if (json.startsWith('"')) {
    try {
      return JSON.parse(json) as string;
    } catch {
      return json;
    }
  }
  return json;
}
