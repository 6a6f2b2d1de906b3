// Typed access to build/berth-sys.node: mount, setns, unshare, mknod, xattrs without spawning a process.
import { createRequire } from 'node:module';

/** The native functions; each throws an Error with `code` (errno name) and `syscall` on failure. */
export interface BerthSys {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  /** Moves only the calling thread: call it from a worker thread, never from the main one. */
  setns(fd: number, nstype: number): void;
  /** CLONE_NEWNET applies to the calling thread only: call it from a worker thread. */
  unshare(flags: number): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer | string, flags: number): void;
  /** The attribute's value, or null when the file does not have it. */
  lgetxattr(path: string, name: string): Buffer | null;
  gettid(): number;
  setChildSubreaper(): void;
  /** A blocking, close-on-exec SOCK_SEQPACKET connection to a unix socket (any path length); read and write it with fs. */
  connectSeqpacket(path: string): number;
  /** shutdown(fd, SHUT_WR): the peer reads end-of-file. */
  shutdownWrite(fd: number): void;
}

/** Flags from <sys/mount.h>. */
export const MountFlag = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
} as const;

/** Flags for umount2. */
export const UnmountFlag = { FORCE: 0x1, DETACH: 0x2, NOFOLLOW: 0x8 } as const;

/** Namespace types for setns/unshare. */
export const NamespaceFlag = { NEWNS: 0x20000, NEWNET: 0x40000000 } as const;

/** S_IFCHR for mknod. */
export const S_IFCHR = 0o020000;

// The same relative path works from src/native (tests, tsx) and dist/native (the built CLI).
const modulePath = new URL('../../build/berth-sys.node', import.meta.url).pathname;
let loaded: BerthSys | undefined;

/** Load the addon on first use; a missing build says how to make it. */
export function berthSys(): BerthSys {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(modulePath) as BerthSys;
  } catch (error) {
    throw new Error(`cannot load ${modulePath}: run "npm run build" (it compiles native/berth-sys.c)`, { cause: error });
  }
  return loaded;
}
