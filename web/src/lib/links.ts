// Where each kind of id leads: one place, so every page links a user, a session, a trace or a
// span the same way.
export const userHref = (id: string) => `/users/${encodeURIComponent(id)}`;
export const sessionHref = (id: string) => `/sessions/${encodeURIComponent(id)}`;
export const traceHref = (id: string) => `/traces/${encodeURIComponent(id)}`;
/** The trace with this span selected (the detail page keeps the selection in `?span=`). */
export const spanHref = (traceId: string, spanId: string) => `${traceHref(traceId)}?span=${encodeURIComponent(spanId)}`;
