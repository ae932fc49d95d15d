import {
  ASYMMETRIC_MATCHERS_OBJECT,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  addCustomEqualityTesters,
  chai,
  customMatchers,
  getState,
  setState,
  type ExpectStatic,
} from "@vitest/expect";
import { getCurrentTest } from "@vitest/runner";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/**
 * Vitest's `expect`: chai with vitest's own Jest-compatible matchers, built
 * the way vitest builds it, so messages and diffs read as they do there.
 */
function createExpect(): ExpectStatic {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect);
    setState({ assertionCalls: assertionCalls + 1 }, expect);
    return chai.expect(value, message);
  }) as ExpectStatic;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect);
  expect.setState = (state) => setState(state, expect);
  expect.assert = chai.assert;
  // JestExtend adds `extend` to chai's expect; chai's types do not know it.
  expect.extend = (matchers) =>
    (chai.expect as unknown as { extend(target: ExpectStatic, m: typeof matchers): void }).extend(expect, matchers);
  expect.addEqualityTesters = (testers) => addCustomEqualityTesters(testers);
  expect.soft = () => {
    throw new Error("expect.soft() is not supported by the sandbox test runner.");
  };
  expect.poll = () => {
    throw new Error("expect.poll() is not supported by the sandbox test runner.");
  };
  expect.unreachable = (message?: string) => {
    chai.assert.fail(`expected${message ? ` "${message}" ` : " "}not to be reached`);
  };
  // Checked after each test by checkAssertionCounts.
  function assertions(expected: number) {
    const errorGen = () => new Error(`expected number of assertions to be ${expected}, but got ${expect.getState().assertionCalls}`);
    expect.setState({ expectedAssertionsNumber: expected, expectedAssertionsNumberErrorGen: errorGen });
  }
  function hasAssertions() {
    expect.setState({
      isExpectingAssertions: true,
      isExpectingAssertionsError: new Error("expected any number of assertion, but got none"),
    });
  }
  chai.util.addMethod(expect, "assertions", assertions);
  chai.util.addMethod(expect, "hasAssertions", hasAssertions);
  expect.extend(customMatchers);
  resetState(expect);
  return expect;
}

/** The per-test state `expect.assertions()` and `expect.hasAssertions()` read. */
export function resetState(expect: ExpectStatic): void {
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
      currentTestName: getCurrentTest()?.fullTestName ?? "",
    },
    expect,
  );
}

/** Throws what vitest throws when `expect.assertions(n)` or `expect.hasAssertions()` was not met. */
export function checkAssertionCounts(expect: ExpectStatic): void {
  const state = expect.getState();
  if (state.expectedAssertionsNumber !== null && state.assertionCalls !== state.expectedAssertionsNumber) {
    throw state.expectedAssertionsNumberErrorGen!();
  }
  if (state.isExpectingAssertions && state.assertionCalls === 0) throw state.isExpectingAssertionsError;
}

export const expect = createExpect();
Object.defineProperty(globalThis, GLOBAL_EXPECT, { value: expect, writable: true, configurable: true });
