// Parse `WWW-Authenticate` challenges (RFC 7235) as registries send them: Basic and Bearer with realm/service/scope.

/** One challenge: the scheme (lowercased) and its parameters (names lowercased). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parse a header value into its challenges. Unparseable trailing text is ignored rather than thrown:
 * a registry's odd header must not hide the challenges we can use.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = header.trim();
  let current: { scheme: string; params: Record<string, string> } | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) break;
    const afterName = rest.slice(name.length).replace(/^\s*/, '');
    if (afterName.startsWith('=') && current !== undefined) {
      // An auth-param of the current challenge: name=token or name="quoted string".
      let valueText = afterName.slice(1).replace(/^\s*/, '');
      let value: string;
      if (valueText.startsWith('"')) {
        value = '';
        let i = 1;
        for (; i < valueText.length && valueText[i] !== '"'; i++) {
          if (valueText[i] === '\\' && i + 1 < valueText.length) i++;
          value += valueText[i];
        }
        valueText = valueText.slice(i + 1);
      } else {
        value = TOKEN.exec(valueText)?.[0] ?? '';
        valueText = valueText.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
      rest = valueText;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
      rest = afterName;
    }
  }
  return challenges;
}
