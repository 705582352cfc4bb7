// Pages of a cursor-paged list endpoint as one growing array: the first page on mount, the next
// when asked (the tables ask as their end comes into view).
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { api } from './api';
import type { Page } from './types';

export function useCursorPages<T>(key: readonly unknown[], path: string, query: URLSearchParams, limit: number) {
  const list = useInfiniteQuery({
    queryKey: [...key, query.toString(), limit],
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams(query);
      q.set('limit', String(limit));
      if (pageParam) q.set('cursor', pageParam);
      return api<Page<T>>(`${path}?${q}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 10_000,
    placeholderData: keepPreviousData,
  });
  // fetchNextPage is stable while the query result object is new on every render: keyed on it, the
  // tables' end-reached effect runs once per page, not once per render.
  const { fetchNextPage, data } = list;
  const fetchNext = useCallback(() => { void fetchNextPage(); }, [fetchNextPage]);
  // Flattened once per fetched page, not on every render of the page holding the table.
  const rows = useMemo(() => (data ? data.pages.flatMap((p) => p.data) : []), [data]);
  return { list, rows, fetchNext };
}
