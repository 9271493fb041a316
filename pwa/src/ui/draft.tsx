// A form's draft (src/drafts.ts) as the forms use it: written on every change once the form has
// its starting values, the address names it (a reload reopens it), leaving asks first, and a line
// under the title says it is kept, with 放弃草稿.
import { useEffect, useRef, useState } from "preact/hooks";
import type { OwnerKind } from "../db";
import { discardDraft, loadDraft, saveDraft, type LoadedDraft } from "../drafts";
import { formatTime } from "../i18n";
import { go, replaceQuietly, setLeaveGuard } from "../router";
import { session } from "../session";
import { draftPhotos, type DraftPhoto } from "./form-parts";
import { ft } from "./i18n";

export interface DraftOptions {
  kind: OwnerKind;
  id: string;
  route: string; // where the form reopens
  label: string; // what home lists
  state: unknown; // the form's own fields, as JSON
  photos: DraftPhoto[];
  loaded: boolean; // the form holds its starting values (a restored draft, a returned record, or nothing)
  empty?: boolean; // nothing entered beyond the picker's choice: not yet worth a draft or a question
}

export interface Draft {
  savedAt: number | null;
  unsaved: boolean; // the last write failed; it is tried again
  savedPhotos: number; // in the last write
  restoredAt: number | null;
  dirty: boolean;
  leavingTo: string | null;
  /** The form was filled from this draft: it exists, and a change is saved over it. */
  restored(d: LoadedDraft): void;
  /** Before saving to the outbox: no more writes, the last one finished. */
  settle(): Promise<void>;
  resume(): void;
  /** Deletes the draft (放弃草稿), then leaves for `to`. */
  discard(to?: string): Promise<void>;
  stay(): void;
  leave(): void;
}

/** Loads the draft of `id`, if any: the forms call it first and fill themselves from it. */
export { loadDraft };

export function useDraft(o: DraftOptions): Draft {
  const snap = JSON.stringify([o.state, draftPhotos(o.photos).map((p) => [p.photo.id, p.item ?? ""])]);
  const processing = o.photos.some((p) => p.state === "processing");
  const baseline = useRef<string | null>(null);
  const closed = useRef(false);
  const writing = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  const latest = useRef(o);
  latest.current = o;
  const [exists, setExists] = useState(false);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const [unsaved, setUnsaved] = useState(false);
  const retry = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(retry.current), []);
  const [savedPhotos, setSavedPhotos] = useState(0);
  const [restoredAt, setRestoredAt] = useState<number | null>(null);
  const [leavingTo, setLeavingTo] = useState<string | null>(null);

  // One write at a time; a change during a write is written right after it, with the latest values.
  const write = () => {
    if (writing.current) {
      again.current = true;
      return;
    }
    const run = async (): Promise<void> => {
      const cur = latest.current;
      const userId = session.get()?.user.id;
      if (!userId || closed.current) return;
      try {
        const photos = draftPhotos(cur.photos);
        await saveDraft(
          { id: cur.id, kind: cur.kind, userId, route: cur.route, label: cur.label, state: cur.state },
          photos,
        );
        setSavedAt(Date.now());
        setSavedPhotos(photos.length);
        setUnsaved(false);
      } catch {
        // IndexedDB refused the write (a full or busy disk): the screen says so and it is tried
        // again shortly, so the last words typed do not wait for a next change that may not come.
        setUnsaved(true);
        clearTimeout(retry.current);
        retry.current = setTimeout(write, 2000);
      }
      if (again.current && !closed.current) {
        again.current = false;
        await run();
      }
    };
    writing.current = run().finally(() => {
      writing.current = null;
    });
  };

  useEffect(() => {
    if (!o.loaded || closed.current) return;
    if (baseline.current === null) {
      baseline.current = snap;
      return;
    }
    if (!exists && (snap === baseline.current || o.empty)) return;
    if (!exists) {
      setExists(true);
      if (o.route.includes("?draft=")) replaceQuietly(o.route); // a reload reopens this draft
    }
    write();
  }, [o.loaded, snap, o.empty]);

  const dirty =
    !closed.current && (exists || processing || (!o.empty && baseline.current !== null && snap !== baseline.current));

  const guardOff = useRef<() => void>(() => undefined);
  useEffect(() => {
    if (!dirty) return;
    const off = (guardOff.current = setLeaveGuard((to) => {
      setLeavingTo(to);
      return false;
    }));
    const ask = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = ""; // older browsers need it set to ask
    };
    window.addEventListener("beforeunload", ask);
    return () => {
      off();
      window.removeEventListener("beforeunload", ask);
    };
  }, [dirty]);

  const settle = async () => {
    closed.current = true;
    await writing.current;
  };
  return {
    savedAt,
    unsaved,
    savedPhotos,
    restoredAt,
    dirty,
    leavingTo,
    restored(d) {
      setExists(true);
      setRestoredAt(d.entry.updatedAt);
      setSavedPhotos(d.photos.length);
    },
    settle,
    resume() {
      closed.current = false;
    },
    async discard(to = "/") {
      await settle();
      await discardDraft(latest.current.id);
      setExists(false);
      setLeavingTo(null);
      go(to, true);
    },
    stay() {
      setLeavingTo(null);
    },
    leave() {
      const to = leavingTo ?? "/";
      closed.current = true; // the last change was written; nothing more comes from this screen
      guardOff.current();
      setLeavingTo(null);
      go(to);
    },
  };
}

/** Under the title: the draft is kept (and when), 放弃草稿; and the question when leaving. */
export function DraftBar({ draft }: { draft: Draft }) {
  const [asking, setAsking] = useState(false);
  const at = draft.savedAt ?? draft.restoredAt;
  const said = draft.unsaved
    ? ft("draftUnsaved")
    : at === null
      ? null
      : draft.restoredAt && !draft.savedAt
        ? ft("draftRestored", { at: formatTime(at) })
        : ft("draftSaved", { at: formatTime(at) });
  return (
    <>
      {said !== null && (
        <div
          class="draft-bar"
          data-testid="draft-status"
          data-saved-at={draft.savedAt ?? ""}
          data-photos={draft.savedPhotos}
          data-restored={draft.restoredAt ? "1" : ""}
          data-unsaved={draft.unsaved ? "1" : ""}
        >
          <span class={draft.unsaved ? "error" : undefined} role={draft.unsaved ? "alert" : undefined}>
            {said}
          </span>
          {asking ? (
            <span class="row" style="gap:6px;flex-wrap:nowrap">
              <button
                type="button"
                class="btn btn-small danger"
                data-testid="draft-discard-yes"
                onClick={() => void draft.discard()}
              >
                {ft("draftDiscardYes")}
              </button>
              <button type="button" class="btn btn-small" onClick={() => setAsking(false)}>
                {ft("draftKeep")}
              </button>
            </span>
          ) : (
            <button type="button" class="linklike" data-testid="draft-discard" onClick={() => setAsking(true)}>
              {ft("draftDiscard")}
            </button>
          )}
        </div>
      )}
      {asking && (
        <p class="small error" role="alert">
          {ft("draftDiscardAsk")}
        </p>
      )}
      {draft.leavingTo !== null && (
        <div class="dialog-backdrop">
          <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="leave-title" data-testid="leave-dialog">
            <h2 id="leave-title">{ft("leaveTitle")}</h2>
            <p>{ft("leaveText")}</p>
            <button type="button" class="btn btn-primary btn-block" data-testid="leave-stay" onClick={draft.stay}>
              {ft("leaveStay")}
            </button>
            <button type="button" class="btn btn-block" data-testid="leave-keep" onClick={draft.leave}>
              {ft("leaveKeep")}
            </button>
            <button
              type="button"
              class="btn btn-block danger"
              data-testid="leave-discard"
              onClick={() => void draft.discard(draft.leavingTo ?? "/")}
            >
              {ft("leaveDiscard")}
            </button>
          </div>
        </div>
      )}
    </>
  );
}
