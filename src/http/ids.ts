// Id rules of docs/api.md, shared by the API and the playground (which checks ids from its own URL with them).

/** Project ids: lowercase letters, digits, single hyphens, 2 to 32 characters. */
export const PROJECT_ID = /^[a-z0-9](?:[a-z0-9]|-(?!-)){0,30}[a-z0-9]$/;
/** Turn ids as the server makes them. */
export const TURN_ID = /^t[0-9a-f]{15}$/;
