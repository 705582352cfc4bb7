// Pages of a cursor-paged list endpoint as one growing array: the first page on mount, the next
// when asked (the tables ask as their end comes into view).
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
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
  const fetchNext = useCallback(() => { void list.fetchNextPage(); }, [list]);
  const rows = list.data ? list.data.pages.flatMap((p) => p.data) : [];
  return { list, rows, fetchNext };
}
