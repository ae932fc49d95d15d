export { parsePreviewHost, previewOrigin, underPreviewHost, type PreviewTarget } from "./preview-host";
export { buildErrorPage, notFoundPage } from "./error-page";
export { loadPreview, runScheduled, servePreview, type LoadedPreview, type ScheduledRun } from "./serve";
export { applyEgressPolicy, type EgressPolicy } from "./egress-policy";
export { accessToken, checkPreviewAccess, previewAccessToken } from "./access";
export { apiAnswersOn, coveredBy, isIpLiteral, reservedHostReason, type OwnHosts } from "./reserved-hosts";
export { sandboxEntry, type WorkerModules } from "./sandbox-entry";
export { readAtMost, textAtMost } from "./bounded-body";
