// The dashboard's entry: one query client (retries off for 4xx: they will not get better), the
// key taken from a login link or another tab, then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from './lib/api';
import { askOtherTabs, takeKeyFromLocation } from './lib/key';
import { App } from './app';
import './styles.css';

takeKeyFromLocation();
await askOtherTabs();

const client = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
