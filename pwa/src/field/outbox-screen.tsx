// The outbox: what is waiting, sending, sent, and failed with the server's reason; retry and
// discard (after asking) for what did not go.
import { useEffect, useState } from "preact/hooks";
import { formatBytes, formatTime, useLang } from "../i18n";
import * as outbox from "../outbox";
import type { OutboxItem } from "../outbox";
import { session } from "../session";
import { useValue } from "../store";
import { NETWORK, syncStatus } from "../sync";
import { t, tk } from "./i18n";

export default function OutboxScreen() {
  useLang();
  const version = useValue(outbox.outboxVersion);
  const status = useValue(syncStatus);
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  useEffect(() => {
    void outbox.list(session.get()?.user.id).then(setItems);
  }, [version]);
  const discard = async (item: OutboxItem) => {
    if (!confirm(item.kind === "photo" ? t("discardConfirm") : t("discardRecordConfirm"))) return;
    await outbox.discard(item.id);
  };
  const open = items?.filter((i) => i.state !== "sent") ?? [];
  const sent = items?.filter((i) => i.state === "sent") ?? [];
  return (
    <div data-testid="outbox-screen">
      <div class="row" style="justify-content:space-between;margin-bottom:8px">
        <h1 style="margin:0">{t("outboxTitle")}</h1>
        <button type="button" class="btn btn-small" data-testid="sync-now" disabled={status.running}
          onClick={() => window.dispatchEvent(new Event("xunfang-sync"))}>{t("syncNow")}</button>
      </div>
      {items && !open.length && <p>{t("outboxEmpty")}</p>}
      <ul class="list">
        {open.map((i) => <Row key={i.id} item={i} onRetry={() => void outbox.retry(i.id)} onDiscard={() => void discard(i)} />)}
      </ul>
      {sent.length > 0 && <h2>{t("st_sent")}</h2>}
      <ul class="list">
        {sent.slice(0, 30).map((i) => <Row key={i.id} item={i} />)}
      </ul>
    </div>
  );
}

function Row({ item, onRetry, onDiscard }: { item: OutboxItem; onRetry?: () => void; onDiscard?: () => void; key?: string }) {
  const backingOff = item.state === "waiting" && item.nextAttemptAt > Date.now();
  return (
    <li class="card" data-testid="outbox-item" data-id={item.id} data-kind={item.kind} data-state={item.state} style="margin:0">
      <div class="row" style="justify-content:space-between;flex-wrap:nowrap">
        <div style="min-width:0">
          <strong>{item.label}</strong>
          <div class="small muted">
            {tk(`kind_${item.kind}`)} · {formatTime(item.createdAt)}{item.bytes ? ` · ${formatBytes(item.bytes)}` : ""}
          </div>
        </div>
        <span class={`badge ${item.state}`}>{tk(`st_${item.state}`)}</span>
      </div>
      {item.lastError && item.state !== "sent" && (
        <p class={item.state === "failed" ? "error" : "small"} style="margin:6px 0 0" data-testid="outbox-error">
          {item.lastError === NETWORK ? t("networkError") : item.lastError}{backingOff ? ` · ${t("retryAt", { at: formatTime(item.nextAttemptAt) })}` : ""}
        </p>
      )}
      {(item.state === "failed" || backingOff) && onRetry && (
        <div class="row" style="margin-top:8px">
          <button type="button" class="btn btn-small" data-testid="outbox-retry" onClick={onRetry}>{t("retry")}</button>
          {item.state === "failed" && (
            <button type="button" class="btn btn-small btn-danger" data-testid="outbox-discard" onClick={onDiscard}>{t("discard")}</button>
          )}
        </div>
      )}
    </li>
  );
}
