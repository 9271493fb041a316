// What the patrol, visit and station-inspection forms share around their own fields: the photos
// and the position, the problems that show once a save was tried, and the save itself: the draft
// settles, the record and its new photos go to the outbox, and a failure says why on the form.
import { useState } from "preact/hooks";
import type { RecordKind } from "../db";
import { describeError } from "../errors";
import type { Draft } from "../ui/draft";
import { usePhotos } from "../ui/form-parts";
import { ft } from "../ui/i18n";
import { saveToOutbox, usePosition } from "./parts";

/** A record's body as it goes to the outbox, and the label the outbox and home show for it. */
export interface Made {
  body: unknown;
  label: string;
}

export function useRecordForm(kind: RecordKind, id: string) {
  const [loaded, setLoaded] = useState(false); // the form holds its starting values (draft, returned record, or none)
  const [tried, setTried] = useState(false); // after the first save, problems show and clear live
  const [saveError, setSaveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const photos = usePhotos();
  const position = usePosition();
  const ready = photos.photos.filter((p) => p.state === "ready");
  /** The problems to show beside their fields: none until the first save was tried. */
  const visible = (problems: Record<string, string>) => (tried ? problems : {});
  /** Save: with problems, show them (the first scrolled into view); else the record that `make`
   * builds goes to the outbox with the ready photos, after the draft's last write. */
  const save = async (draft: Draft, problems: Record<string, string>, make: () => Made): Promise<void> => {
    setTried(true);
    setSaveError(null);
    if (Object.keys(problems).length) {
      setTimeout(() => document.querySelector(".field-error")?.scrollIntoView({ block: "center" }), 0);
      return;
    }
    setBusy(true);
    const { body, label } = make();
    await draft.settle();
    try {
      await saveToOutbox(
        kind,
        id,
        body,
        ready.map((p) => p.photo!),
        label,
      );
    } catch (e) {
      draft.resume();
      setSaveError(ft("saveFailed", { detail: describeError(e) }));
      setBusy(false);
    }
  };
  return { ...photos, position, ready, loaded, setLoaded, busy, saveError, visible, save };
}
