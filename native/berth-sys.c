/*
 * berth-sys: the few Linux system calls Node does not offer and berth needs on its hot path
 * (mount, setns, unshare, mknod, xattrs, subreaper, SOCK_SEQPACKET connections). Each spawned helper process costs ~2 ms of
 * the engine's main thread and 5-10 ms of wall time; these calls cost microseconds.
 * Every function throws an Error with `code` (errno name) and `syscall` on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <node_api.h>

#define MAX_STRING 65536

static napi_value throw_errno(napi_env env, int err, const char *syscall_name, const char *path) {
  char message[512];
  snprintf(message, sizeof message, "%s%s%s: %s", syscall_name, path ? " " : "", path ? path : "", strerror(err));
  napi_value msg, error, code, sys, errnum;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &sys);
  napi_create_int32(env, -err, &errnum);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "syscall", sys);
  napi_set_named_property(env, error, "errno", errnum);
  if (path) {
    napi_value p;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p);
    napi_set_named_property(env, error, "path", p);
  }
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* Read argument i as a string into a malloc'd buffer; NULL when it is null/undefined and nullable. */
static int get_string(napi_env env, napi_value value, char **out, int nullable) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (nullable && (type == napi_null || type == napi_undefined)) {
    *out = NULL;
    return 1;
  }
  if (type != napi_string) return 0;
  size_t length;
  napi_get_value_string_utf8(env, value, NULL, 0, &length);
  if (length >= MAX_STRING) return 0;
  *out = malloc(length + 1);
  napi_get_value_string_utf8(env, value, *out, length + 1, &length);
  return 1;
}

static int get_int64(napi_env env, napi_value value, int64_t *out) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type != napi_number) return 0;
  return napi_get_value_int64(env, value, out) == napi_ok;
}

static napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

/* mount(source, target, fstype, flags, data) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *source = NULL, *target = NULL, *fstype = NULL, *data = NULL;
  int64_t flags = 0;
  if (argc < 5 || !get_string(env, argv[0], &source, 1) || !get_string(env, argv[1], &target, 0) ||
      !get_string(env, argv[2], &fstype, 1) || !get_int64(env, argv[3], &flags) || !get_string(env, argv[4], &data, 1)) {
    free(source); free(target); free(fstype); free(data);
    return throw_type(env, "mount(source: string|null, target: string, fstype: string|null, flags: number, data: string|null)");
  }
  int rc = mount(source, target, fstype, (unsigned long)flags, data);
  int err = errno;
  napi_value result = rc == 0 ? undefined(env) : throw_errno(env, err, "mount", target);
  free(source); free(target); free(fstype); free(data);
  return result;
}

/* umount2(target, flags) */
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *target = NULL;
  int64_t flags = 0;
  if (argc < 2 || !get_string(env, argv[0], &target, 0) || !get_int64(env, argv[1], &flags)) {
    free(target);
    return throw_type(env, "umount2(target: string, flags: number)");
  }
  int rc = umount2(target, (int)flags);
  int err = errno;
  napi_value result = rc == 0 ? undefined(env) : throw_errno(env, err, "umount2", target);
  free(target);
  return result;
}

/* setns(fd, nstype): moves the CALLING THREAD only; use it from a worker thread. */
static napi_value js_setns(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t fd, nstype;
  if (argc < 2 || !get_int64(env, argv[0], &fd) || !get_int64(env, argv[1], &nstype)) return throw_type(env, "setns(fd: number, nstype: number)");
  if (setns((int)fd, (int)nstype) != 0) return throw_errno(env, errno, "setns", NULL);
  return undefined(env);
}

/* unshare(flags): also per thread for CLONE_NEWNET. */
static napi_value js_unshare(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t flags;
  if (argc < 1 || !get_int64(env, argv[0], &flags)) return throw_type(env, "unshare(flags: number)");
  if (unshare((int)flags) != 0) return throw_errno(env, errno, "unshare", NULL);
  return undefined(env);
}

/* mknod(path, mode, major, minor): overlay whiteouts are character devices 0:0. */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *path = NULL;
  int64_t mode, major_number, minor_number;
  if (argc < 4 || !get_string(env, argv[0], &path, 0) || !get_int64(env, argv[1], &mode) ||
      !get_int64(env, argv[2], &major_number) || !get_int64(env, argv[3], &minor_number)) {
    free(path);
    return throw_type(env, "mknod(path: string, mode: number, major: number, minor: number)");
  }
  int rc = mknod(path, (mode_t)mode, makedev((unsigned)major_number, (unsigned)minor_number));
  int err = errno;
  napi_value result = rc == 0 ? undefined(env) : throw_errno(env, err, "mknod", path);
  free(path);
  return result;
}

/* lsetxattr(path, name, value: Buffer|string, flags): never follows a symlink. */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *path = NULL, *name = NULL, *text = NULL;
  int64_t flags = 0;
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  if (argc >= 3) napi_is_buffer(env, argv[2], &is_buffer);
  if (argc < 4 || !get_string(env, argv[0], &path, 0) || !get_string(env, argv[1], &name, 0) || !get_int64(env, argv[3], &flags) ||
      !(is_buffer ? napi_get_buffer_info(env, argv[2], &data, &length) == napi_ok : get_string(env, argv[2], &text, 0))) {
    free(path); free(name); free(text);
    return throw_type(env, "lsetxattr(path: string, name: string, value: Buffer|string, flags: number)");
  }
  if (!is_buffer) {
    data = text;
    length = strlen(text);
  }
  int rc = lsetxattr(path, name, data, length, (int)flags);
  int err = errno;
  napi_value result = rc == 0 ? undefined(env) : throw_errno(env, err, "lsetxattr", path);
  free(path); free(name); free(text);
  return result;
}

/* lgetxattr(path, name) → Buffer, or null when the attribute is absent. */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *path = NULL, *name = NULL;
  if (argc < 2 || !get_string(env, argv[0], &path, 0) || !get_string(env, argv[1], &name, 0)) {
    free(path); free(name);
    return throw_type(env, "lgetxattr(path: string, name: string)");
  }
  char value[MAX_STRING];
  ssize_t length = lgetxattr(path, name, value, sizeof value);
  int err = errno;
  napi_value result;
  if (length >= 0) {
    void *copy;
    napi_create_buffer_copy(env, (size_t)length, value, &copy, &result);
  } else if (err == ENODATA) {
    napi_get_null(env, &result);
  } else {
    result = throw_errno(env, err, "lgetxattr", path);
  }
  free(path); free(name);
  return result;
}

/* gettid(): the kernel id of the calling thread, for /proc/self/task/<tid>/ns/net. */
static napi_value js_gettid(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int64(env, (int64_t)syscall(SYS_gettid), &result);
  return result;
}

/* setChildSubreaper(): orphaned descendants are re-parented to us, not to a slow PID 1. */
static napi_value js_set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return throw_errno(env, errno, "prctl", NULL);
  return undefined(env);
}

/*
 * connectSeqpacket(path) -> fd: a SOCK_SEQPACKET connection (conmon's attach socket), which Node's net
 * cannot make. Connected through /proc/self/fd of an O_PATH descriptor: sun_path holds 108 bytes, and
 * state roots under /tmp make longer paths. Blocking, close-on-exec; read and write it with fs.
 */
static napi_value js_connect_seqpacket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *target = NULL;
  if (argc < 1 || !get_string(env, argv[0], &target, 0)) return throw_type(env, "connectSeqpacket(path)");
  int pathfd = open(target, O_PATH | O_CLOEXEC);
  if (pathfd < 0) {
    int err = errno;
    napi_value thrown = throw_errno(env, err, "open", target);
    free(target);
    return thrown;
  }
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    close(pathfd);
    free(target);
    return throw_errno(env, err, "socket", NULL);
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d", pathfd);
  int rc = connect(fd, (struct sockaddr *)&address, sizeof address);
  int err = errno;
  close(pathfd);
  if (rc != 0) {
    close(fd);
    napi_value thrown = throw_errno(env, err, "connect", target);
    free(target);
    return thrown;
  }
  free(target);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* shutdownWrite(fd): the peer reads end-of-file (conmon then closes the container's stdin). */
static napi_value js_shutdown_write(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t fd;
  if (argc < 1 || !get_int64(env, argv[0], &fd)) return throw_type(env, "shutdownWrite(fd)");
  if (shutdown((int)fd, SHUT_WR) != 0) return throw_errno(env, errno, "shutdown", NULL);
  return undefined(env);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL},
    {"umount2", NULL, js_umount2, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setns", NULL, js_setns, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unshare", NULL, js_unshare, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"gettid", NULL, js_gettid, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setChildSubreaper", NULL, js_set_child_subreaper, NULL, NULL, NULL, napi_enumerable, NULL},
    {"connectSeqpacket", NULL, js_connect_seqpacket, NULL, NULL, NULL, napi_enumerable, NULL},
    {"shutdownWrite", NULL, js_shutdown_write, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
