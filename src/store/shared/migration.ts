// A numbered schema step, as both backends list theirs (sqlite/migrations.ts,
// postgres/migrations.ts): applied in version order at start, each once, in its own transaction,
// and recorded in schema_migrations. A migration that shipped is never edited (existing databases
// are migrated by version): the next change is the next migration.

/** `Db`: the handle a backend's runner gives `run` (SQLite's alias fills it in; PostgreSQL's runner has no `run`). */
export interface Migration<Db> {
  version: number;
  name: string;
  sql: string;
  /**
   * Runs after `sql`, in the same transaction: for data steps SQL alone cannot express. It must
   * do forever what it did when it shipped, so it calls no live code (a frozen copy instead).
   */
  run?: (db: Db) => void;
}
