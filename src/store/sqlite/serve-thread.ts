// Worker-thread side of DbThread: answers posted calls with the given operations.
import { parentPort } from 'node:worker_threads';
import { isLoupeError } from '../../errors.js';
import { CLOSE_OP, type ThreadReply, type ThreadRequest } from './db-thread.js';

/** Serves `ops`; the `close` request (DbThread.close) runs `onClose`, e.g. closing the connection. */
export function serveThread(ops: object, onClose: () => void): void {
  parentPort!.on('message', (req: ThreadRequest) => {
    let reply: ThreadReply;
    try {
      if (req.op === CLOSE_OP) {
        onClose();
        parentPort!.postMessage({ id: req.id, ok: true, value: null } satisfies ThreadReply);
        return;
      }
      const fn = (ops as Record<string, (...a: unknown[]) => unknown>)[req.op];
      reply = { id: req.id, ok: true, value: fn.apply(ops, req.args) };
    } catch (e) {
      reply = isLoupeError(e)
        ? { id: req.id, ok: false, error: { message: e.message, code: e.code, details: e.details } }
        : { id: req.id, ok: false, error: { message: (e as Error).message } };
    }
    parentPort!.postMessage(reply);
  });
}
