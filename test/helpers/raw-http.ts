// Test helpers: HTTP/1.1 over a raw TCP socket, for what fetch cannot do — send headers and only
// part of a body, trickle bytes, watch for an interim 100 Continue, see when the server hangs up.
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with what was received once `pattern` matches it; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the server closed the connection (or reset it); rejects after `timeoutMs`. */
  closed(timeoutMs: number): Promise<void>;
  write(data: string | Buffer): void;
  destroy(): void;
}

export function rawConnect(baseUrl: string): Promise<RawConnection> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let data = '';
    let ended = false;
    const waiters = new Set<() => void>();
    const notify = () => { for (const w of [...waiters]) w(); };
    socket.on('data', (b) => { data += b.toString('latin1'); notify(); });
    // A reset after the server answered and hung up is expected here, not a test failure.
    socket.on('error', () => { ended = true; notify(); });
    socket.on('close', () => { ended = true; notify(); });
    socket.once('connect', () => resolve({
      socket,
      received: () => data,
      waitFor(pattern, timeoutMs) {
        return new Promise((res, rej) => {
          const check = () => {
            if (pattern.test(data)) { done(); res(data); } else if (ended) { done(); rej(new Error(`connection closed before ${pattern}; got ${JSON.stringify(data.slice(0, 300))}`)); }
          };
          const timer = setTimeout(() => { done(); rej(new Error(`no ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(data.slice(0, 300))}`)); }, timeoutMs);
          const done = () => { clearTimeout(timer); waiters.delete(check); };
          waiters.add(check);
          check();
        });
      },
      closed(timeoutMs) {
        return new Promise((res, rej) => {
          const check = () => { if (ended) { done(); res(); } };
          const timer = setTimeout(() => { done(); rej(new Error(`connection still open after ${timeoutMs} ms`)); }, timeoutMs);
          const done = () => { clearTimeout(timer); waiters.delete(check); };
          waiters.add(check);
          check();
        });
      },
      write(chunk) {
        if (!socket.destroyed && socket.writable) socket.write(chunk);
      },
      destroy() {
        socket.destroy();
      },
    }));
    socket.once('error', reject);
  });
}

/** The head of an HTTP/1.1 request; `headers` are sent as given, plus Host. */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  return `${method} ${path} HTTP/1.1\r\nHost: loupe.test\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}
