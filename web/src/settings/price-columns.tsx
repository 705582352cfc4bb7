// The column heads both price tables share (the built-in table and the project's overrides); the
// last column holds each table's own actions.
export function PriceColumns({ actions }: { actions: string }) {
  return (
    <thead>
      <tr>
        <th scope="col">Model pattern</th>
        <th scope="col" className="num">Input / 1M</th>
        <th scope="col" className="num">Output / 1M</th>
        <th scope="col" className="num">Cache read / 1M</th>
        <th scope="col">Effective from</th>
        <th scope="col"><span className="visually-hidden">{actions}</span></th>
      </tr>
    </thead>
  );
}
