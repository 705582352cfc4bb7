// A text box bound to a value that is applied on Enter or when the box loses focus (so typing does
// not fire a query per key), and follows the value when it changes elsewhere (back, a link).
import { useEffect, useState } from 'react';

export function useCommittedText(current: string, apply: (text: string) => void) {
  const [value, setValue] = useState(current);
  useEffect(() => setValue(current), [current]);
  const commit = () => {
    if (value.trim() !== current) apply(value.trim());
  };
  return {
    value,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setValue(e.target.value),
    onBlur: commit,
    onKeyDown: (e: React.KeyboardEvent<HTMLInputElement>) => {
      if (e.key === 'Enter') commit();
      if (e.key === 'Escape') e.currentTarget.blur();
    },
  };
}
