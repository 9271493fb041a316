// Home's 继续填写: the forms this user left unfinished on this phone (src/drafts.ts), most recent
// first, each reopening where it was left, photos and all.
import { useEffect, useState } from "preact/hooks";
import { listDrafts, draftsVersion, type DraftEntry } from "../drafts";
import { formatTime, useLang } from "../i18n";
import { session } from "../session";
import { useValue } from "../store";
import { ft } from "../ui/i18n";

export function DraftsList() {
  useLang();
  const s = useValue(session);
  const version = useValue(draftsVersion);
  const [drafts, setDrafts] = useState<DraftEntry[]>([]);
  useEffect(() => {
    if (s) void listDrafts(s.user.id).then(setDrafts, () => setDrafts([]));
  }, [s?.user.id, version]);
  if (!drafts.length) return null;
  return (
    <section aria-labelledby="drafts-title" data-testid="drafts" style="margin-bottom:16px">
      <h2 id="drafts-title">{ft("continueTitle")}</h2>
      <ul class="list">
        {drafts.slice(0, 5).map((d) => (
          <li key={d.id}>
            <a class="item" href={`#${d.route}`} data-testid="draft-item" data-id={d.id} data-kind={d.kind}>
              <span class="main">
                <span class="name">{d.label}</span>
                <span class="sub">
                  {formatTime(d.updatedAt)}
                  {d.photos.length ? ` · ${ft("draftPhotos", { n: d.photos.length })}` : ""}
                </span>
              </span>
              <span class="side" aria-hidden="true">
                ›
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
