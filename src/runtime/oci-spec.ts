// The parts of the OCI runtime spec (1.0.2) that berth writes into a bundle's config.json.

export interface RuntimeSpec {
  ociVersion: '1.0.2';
  process: RuntimeProcess;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: RuntimeMount[];
  annotations?: Record<string, string>;
  linux: RuntimeLinux;
}

export interface RuntimeProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: {
    bounding: string[];
    effective: string[];
    inheritable: string[];
    permitted: string[];
    ambient: string[];
  };
  rlimits?: { type: string; soft: number; hard: number }[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface RuntimeMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface LinuxDevice {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface LinuxResources {
  devices: LinuxDeviceRule[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
}

export interface SeccompRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

export interface LinuxSeccomp {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: SeccompRule[];
}

export interface RuntimeLinux {
  namespaces: { type: string; path?: string }[];
  cgroupsPath: string;
  resources: LinuxResources;
  devices?: LinuxDevice[];
  sysctl?: Record<string, string>;
  seccomp?: LinuxSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
}
