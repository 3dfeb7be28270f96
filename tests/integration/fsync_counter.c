/* LD_PRELOAD library for test_durability.py: counts the process's fsync and fdatasync calls in
 * two 64-bit counters of a shared file (MNEMO_FSYNC_COUNTER names it, 16 bytes: fsync count then
 * fdatasync count), then makes the real call. Built by the test with the system's cc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile uint64_t* counters;

__attribute__((constructor)) static void init(void) {
  const char* path = getenv("MNEMO_FSYNC_COUNTER");
  if (path == NULL) return;
  int fd = open(path, O_RDWR);
  if (fd < 0) return;
  void* p = mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p != MAP_FAILED) counters = p;
}

static void count(int i) {
  if (counters != NULL) __atomic_fetch_add(&counters[i], 1, __ATOMIC_SEQ_CST);
}

int fsync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  count(0);
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  count(1);
  return real(fd);
}
