// Screen-wide keys. The listener is attached once and calls the handler of the latest render:
// a listener re-attached in an effect runs after paint, so a key pressed between a render and
// that effect would answer to the screen as it was before (Esc then Shift+A approving nothing).
import { useEffect, useRef } from "preact/hooks";

export function useKeydown(handler: (e: KeyboardEvent) => void, capture = false): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const key = (e: KeyboardEvent) => latest.current(e);
    window.addEventListener("keydown", key, capture);
    return () => window.removeEventListener("keydown", key, capture);
  }, [capture]);
}
