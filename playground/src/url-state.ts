import { useCallback, useEffect, useState } from "react";
import { PROJECT_ID } from "../../src/http/ids";
import type { Ref } from "./api";

/** What the page shows, kept in the URL (`?project=…&version=…&tab=…`), so a reload or a shared link opens the same view. */
export interface View {
  project?: string;
  version?: Ref;
  tab: Tab;
}

export const TABS = ["preview", "code", "versions", "tests", "logs", "data"] as const;
export type Tab = (typeof TABS)[number];

function read(): View {
  const query = new URLSearchParams(location.search);
  const version = query.get("version");
  const tab = query.get("tab") as Tab | null;
  return {
    // Only an id as the API makes them: anything else in ?project= would become part of API paths.
    ...(PROJECT_ID.test(query.get("project") ?? "") ? { project: query.get("project")! } : {}),
    ...(version === "draft" ? { version: "draft" as const } : version && /^\d+$/.test(version) ? { version: Number(version) } : {}),
    tab: tab && TABS.includes(tab) ? tab : "preview",
  };
}

export function useView(): [View, (change: Partial<View>) => void] {
  const [view, setView] = useState(read);
  useEffect(() => {
    const back = () => setView(read());
    addEventListener("popstate", back);
    return () => removeEventListener("popstate", back);
  }, []);
  const update = useCallback((change: Partial<View>) => {
    setView((current) => {
      const next = { ...current, ...change };
      const query = new URLSearchParams();
      if (next.project) query.set("project", next.project);
      if (next.version !== undefined) query.set("version", String(next.version));
      if (next.tab !== "preview") query.set("tab", next.tab);
      const url = `${location.pathname}${query.size ? `?${query}` : ""}`;
      if (url !== `${location.pathname}${location.search}`) history.pushState(null, "", url);
      return next;
    });
  }, []);
  return [view, update];
}
