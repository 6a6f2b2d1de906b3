// Image references as Docker reads them: `busybox` → `docker.io/library/busybox:latest`.
import { ValueError } from '../errors.js';

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host (with port), `docker.io` for Docker Hub. */
  readonly domain: string;
  /** Repository path inside the registry, `library/busybox` for official Hub images. */
  readonly path: string;
  /** Tag; `latest` when neither a tag nor a digest was given. */
  readonly tag: string | undefined;
  /** `sha256:<hex>` when the reference pins a digest. */
  readonly digest: string | undefined;
}

export const DOCKER_HUB_DOMAIN = 'docker.io';
const LEGACY_HUB_DOMAINS = new Set(['index.docker.io', 'registry-1.docker.io']);
const NAME_TOTAL_LENGTH_MAX = 255;

// Docker's grammar (distribution/reference): a path component is lowercase alphanumerics joined by
// `.`, `_`, `__` or one or more `-`; a domain is a host name or IP with an optional port.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parse and normalise a reference; throws ValueError naming what is wrong with it. */
export function parseImageReference(text: string): ImageReference {
  if (text === '') throw new ValueError('image reference is empty', 'give a name such as "busybox" or "registry:5000/app:1.0"');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ValueError(`invalid digest "${digest}" in image reference "${text}"`, 'a digest looks like sha256: followed by 64 hex digits');
    if (digest.startsWith('sha256:') && !SHA256_DIGEST.test(digest)) {
      throw new ValueError(`invalid sha256 digest "${digest}" in image reference "${text}"`, 'a sha256 digest has exactly 64 lowercase hex digits');
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new ValueError(`invalid tag "${tag}" in image reference "${text}"`, 'a tag is up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"');
    }
  }
  const { domain, path } = splitDomain(rest, text);
  for (const component of path.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      throw new ValueError(`invalid reference "${text}": repository name must be lowercase`, `use "${text.toLowerCase()}"`);
    }
    throw new ValueError(
      `invalid reference "${text}": "${component}" is not a valid repository name component`,
      'a name component is lowercase letters and digits, joined by ".", "_", "__" or "-"',
    );
  }
  const name = `${domain}/${path}`;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new ValueError(`invalid reference "${text}": repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  return { domain, path, tag: tag ?? (digest === undefined ? 'latest' : undefined), digest };
}

function splitDomain(name: string, text: string): { domain: string; path: string } {
  if (name === '') throw new ValueError(`invalid reference "${text}": the repository name is empty`);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // Docker treats the first component as a registry only when it looks like a host: it has a dot
  // or a port, is `localhost`, or has an uppercase letter (which a path component cannot).
  const looksLikeHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (!looksLikeHost) {
    return { domain: DOCKER_HUB_DOMAIN, path: name.includes('/') ? name : `library/${name}` };
  }
  if (!DOMAIN.test(first)) throw new ValueError(`invalid reference "${text}": "${first}" is not a valid registry host`);
  const path = name.slice(slash + 1);
  if (LEGACY_HUB_DOMAINS.has(first)) {
    return { domain: DOCKER_HUB_DOMAIN, path: path.includes('/') ? path : `library/${path}` };
  }
  return { domain: first, path };
}

/** `docker.io/library/busybox` — the repository, without tag or digest. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full canonical text: `docker.io/library/busybox:latest`, `host/app@sha256:...`, or both. */
export function formatImageReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The short form Docker shows: `busybox:latest` for Hub official images, the full name otherwise. */
export function familiarImageReference(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DOCKER_HUB_DOMAIN) name = ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** Where the registry's v2 API lives for this reference's domain (`registry-1.docker.io` for the Hub). */
export function registryHost(ref: ImageReference): string {
  return ref.domain === DOCKER_HUB_DOMAIN ? 'registry-1.docker.io' : ref.domain;
}
