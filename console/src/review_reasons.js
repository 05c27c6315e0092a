// The review page's words for why a report was flagged (shared/domain/review.py).

// Why a report was flagged, in words (review_reasons: "caller_app", "sample:<group>").
export function describeReasons(reasons) {
  return reasons
    .map((reason) => {
      if (reason === "caller_app") return "the caller asked for review";
      if (reason === "sample:*") return "sampled (everyone)";
      if (reason.startsWith("sample:")) return `sampled (group ${reason.slice(7)})`;
      return reason;
    })
    .join("; ");
}
