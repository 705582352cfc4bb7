// Prepared statements by their SQL text, for queries built per filter: preparing costs more than
// running a small one. Bounded: past `max` distinct texts it starts over.
import type Database from 'better-sqlite3';

export class StatementCache {
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database, private readonly max: number) {}

  get(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.stmts.size > this.max) this.stmts.clear();
      this.stmts.set(sql, s);
    }
    return s;
  }
}
