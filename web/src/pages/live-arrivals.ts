// Live arrivals for a newest-first list: the first page of the same query is asked for again and
// again; traces not listed yet go on top, rows already listed are refreshed in place (a pending
// trace turns success or error). When more arrived than one poll's page, the poll follows the
// cursor down to the first trace it already lists, so nothing that arrived is skipped.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { TraceRow } from '../lib/types';
import { fetchTraces } from './list-fetch';

const POLL_MS = 3000;
const POLL_PAGE = 50;
/** Pages one poll follows at most (~1,000 traces in 3 s); past that the reader is told to reload. */
const MAX_FOLLOW = 10;

export interface Arrivals {
  /** Newest first: traces that arrived since the list was loaded. */
  arrived: TraceRow[];
  /** The latest version of rows the poll saw, by id. */
  updated: Map<string, TraceRow>;
  /** More arrived than the poll could follow: the list has a gap until it is reloaded. */
  gap: boolean;
  /** Ids of `arrived`. */
  arrivedIds: Set<string>;
  error: unknown;
}

interface Known {
  has(id: string): boolean;
  any: boolean;
}

/** `loadedIds`: the rows the list's pages hold; `initial`: what had arrived when the reader left. */
export function useLiveArrivals(params: URLSearchParams, paramsKey: string, enabled: boolean, loadedIds: Set<string>, initial: TraceRow[]): Arrivals {
  const [arrived, setArrived] = useState<TraceRow[]>(initial);
  const [updated, setUpdated] = useState<Map<string, TraceRow>>(new Map());
  const [gap, setGap] = useState(false);
  const arrivedIds = useMemo(() => new Set(arrived.map((t) => t.id)), [arrived]);
  // What is listed, as of the last render: the poll reads it when it runs.
  const known = useRef<Known>({ has: () => false, any: false });
  known.current = { has: (id) => loadedIds.has(id) || arrivedIds.has(id), any: loadedIds.size + arrivedIds.size > 0 };

  const poll = useQuery({
    queryKey: ['traces-live', paramsKey],
    queryFn: async () => {
      const seen = known.current;
      const pages = [await fetchTraces(params, null, null, POLL_PAGE)];
      const reached = () => pages[pages.length - 1].data.some((t) => seen.has(t.id));
      while (seen.any && !reached() && pages[pages.length - 1].nextCursor && pages.length < MAX_FOLLOW) {
        const last = pages[pages.length - 1];
        pages.push(await fetchTraces(params, last.nextCursor, last.from));
      }
      return { rows: pages.flatMap((p) => p.data), gap: seen.any && !reached() && pages[pages.length - 1].nextCursor !== null };
    },
    enabled,
    refetchInterval: POLL_MS,
    refetchIntervalInBackground: false,
    staleTime: 0,
    gcTime: 0,
  });

  useEffect(() => {
    if (!poll.data) return;
    const fresh = poll.data.rows.filter((t) => !known.current.has(t.id));
    if (fresh.length) setArrived((a) => [...fresh, ...a]);
    if (poll.data.gap) setGap(true);
    setUpdated(new Map(poll.data.rows.map((t) => [t.id, t])));
  }, [poll.data]);

  return { arrived, updated, gap, arrivedIds, error: poll.error };
}
