// Project settings served from memory (every ingest request reads them). Several servers may
// share one database and another may change a project's settings, so a cached copy lives for a
// short TTL only; an update through this server is seen at once. A reload that finds the same
// settings keeps the same object, so what readers derive from it (by identity) stays cached.
import type pg from 'pg';
import { pgJson } from './dialect.js';

interface Entry {
  settings: Record<string, unknown>;
  text: string;
  at: number;
}

export class SettingsCache {
  private readonly entries = new Map<number, Entry>();
  /** Bumped by every update: a load that started before it must not store its older answer. */
  private readonly generation = new Map<number, number>();

  constructor(private readonly pool: pg.Pool, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async get(projectId: number): Promise<Record<string, unknown> | null> {
    const hit = this.entries.get(projectId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.settings;
    const gen = this.generation.get(projectId) ?? 0;
    const { rows } = await this.pool.query<{ settings: Record<string, unknown> }>('SELECT settings FROM projects WHERE id = $1', [projectId]);
    if (!rows[0]) return null;
    const entry = this.store(projectId, rows[0].settings);
    if ((this.generation.get(projectId) ?? 0) === gen) this.entries.set(projectId, entry);
    return entry.settings;
  }

  /** JSON merge patch (a null value removes a key), as SQLite's json_patch(). */
  async update(projectId: number, patch: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const { rows } = await this.pool.query<{ settings: Record<string, unknown> }>(
      'UPDATE projects SET settings = loupe_merge_patch(settings, $1::jsonb) WHERE id = $2 RETURNING settings', [pgJson(patch), projectId]);
    if (!rows[0]) return null;
    this.generation.set(projectId, (this.generation.get(projectId) ?? 0) + 1);
    const entry = this.store(projectId, rows[0].settings);
    this.entries.set(projectId, entry);
    return entry.settings;
  }

  private store(projectId: number, settings: Record<string, unknown>): Entry {
    const text = JSON.stringify(settings);
    const prev = this.entries.get(projectId);
    // same settings as cached: keep the object, renew its time
    return { settings: prev && prev.text === text ? prev.settings : settings, text, at: this.now() };
  }
}
