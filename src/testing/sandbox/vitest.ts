import { chai } from "@vitest/expect";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, onTestFailed, onTestFinished, suite, test } from "@vitest/runner";
import { clearAllMocks, fn, isMockFunction, resetAllMocks, restoreAllMocks, spyOn } from "@vitest/spy";
import { expect } from "./expect";
import type { SANDBOX_EXPORTS } from "./protocol";

/** The part of vitest's `vi` that needs no module mocking or fake timers. */
const vi = {
  fn,
  spyOn,
  isMockFunction,
  clearAllMocks,
  resetAllMocks,
  restoreAllMocks,
  mocked: <T>(value: T) => value,
};

/** What a test file gets from `import … from "vitest"`: vitest's own runner, expect and spies. */
export const vitestModule: Record<(typeof SANDBOX_EXPORTS)["vitest"][number], unknown> = {
  describe,
  suite,
  it,
  test,
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  onTestFailed,
  onTestFinished,
  expect,
  assert: chai.assert,
  chai,
  vi,
  vitest: vi,
};
