// One durable transaction on a pooled client, retried when PostgreSQL says the conflict was
// transient (a deadlock, a serialization failure, a dropped connection): the write path and the
// deletes run every transaction through here.
import type pg from 'pg';
import { isRetryable } from './dialect.js';

const MAX_ATTEMPTS = 5;

/** Runs `work` between BEGIN and COMMIT (durable on return, whatever the server's default says). */
export async function inDurableTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit TO on');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      if (!isRetryable(e) || attempt >= MAX_ATTEMPTS) throw e;
    } finally {
      client.release(broken);
    }
  }
}
