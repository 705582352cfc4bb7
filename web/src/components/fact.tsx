// One labelled value in a page header's facts row (a trace's, a session's, a user's).
export function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return <span className="fact"><span className="faint">{label}</span> {children}</span>;
}
