// What waits on the phone (or was just sent), said by kind with records and photos counted apart:
// "1 条巡查 · 2 张照片", "1 patrol · 2 photos". The shell's pill, the outbox screen and the notice
// after a background sync all say it this way.
import type { OutboxItem } from "./db";
import { t } from "./shell-i18n";

const ORDER = ["patrol", "visit", "inspection", "taskfix", "weekly", "photo"] as const;
type Kind = (typeof ORDER)[number];

export function countKinds(items: Pick<OutboxItem, "kind">[]): Partial<Record<Kind, number>> {
  const out: Partial<Record<Kind, number>> = {};
  for (const i of items) out[i.kind as Kind] = (out[i.kind as Kind] ?? 0) + 1;
  return out;
}

/** "1 条巡查 · 2 张照片"; "" when nothing is counted. */
export function sayKinds(counts: Partial<Record<Kind, number>>): string {
  return ORDER.filter((k) => counts[k])
    .map((k) => {
      const n = counts[k]!;
      return t((n === 1 ? `pw_${k}` : `pw_${k}s`) as Parameters<typeof t>[0], { n });
    })
    .join(" · ");
}

export const sayItems = (items: Pick<OutboxItem, "kind">[]) => sayKinds(countKinds(items));
