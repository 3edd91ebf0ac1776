// open + read + close of one path in a loop, on T threads, for N seconds; prints the total ops/sec.
// Every open must return the expected bytes: a read that fails or comes back empty stops the run.
//
// Usage: readloop PATH SECONDS THREADS

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *path;
static atomic_int stop;
static atomic_int failed;

struct worker {
    pthread_t thread;
    unsigned long long operations;
};

static void *run(void *argument) {
    struct worker *worker = argument;
    char buffer[4096];
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "readloop: open %s: %s\n", path, strerror(errno));
            atomic_store(&failed, 1);
            atomic_store(&stop, 1);
            break;
        }
        ssize_t count = read(fd, buffer, sizeof(buffer));
        close(fd);
        if (count <= 0) {
            fprintf(stderr, "readloop: read %s: %s\n", path, count < 0 ? strerror(errno) : "empty");
            atomic_store(&failed, 1);
            atomic_store(&stop, 1);
            break;
        }
        worker->operations++;
    }
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[]) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PATH SECONDS THREADS\n", argv[0]);
        return 2;
    }
    path = argv[1];
    double seconds = atof(argv[2]);
    int threads = atoi(argv[3]);
    if (seconds <= 0 || threads <= 0) {
        fprintf(stderr, "readloop: SECONDS and THREADS must be positive\n");
        return 2;
    }
    struct worker *workers = calloc((size_t)threads, sizeof(*workers));
    double start = now();
    for (int i = 0; i < threads; i++) pthread_create(&workers[i].thread, NULL, run, &workers[i]);
    struct timespec interval = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&interval, NULL);
    atomic_store(&stop, 1);
    unsigned long long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(workers[i].thread, NULL);
        total += workers[i].operations;
    }
    double elapsed = now() - start;
    free(workers);
    if (atomic_load(&failed)) return 1;
    printf("%.0f\n", total / elapsed);
    return 0;
}
