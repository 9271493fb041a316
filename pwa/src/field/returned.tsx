// The supervisor's comment on a returned record, shown where the worker corrects it.
import { t } from "./i18n";

export function ReturnedBanner({ comment }: { comment: string | null }) {
  return (
    <div class="card issue" data-testid="form-return-comment">
      <div>{t("resending")}</div>
      {comment && <strong>{t("returnedComment", { c: comment })}</strong>}
    </div>
  );
}
