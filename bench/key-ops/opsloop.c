// Drives a kvfs ops file: writes one prepared request (an object or a batch array) and reads the answer on the
// same descriptor, in a loop for SECONDS. Prints operations per second (requests × operations per request).
//
// Usage: opsloop OPS_FILE REQUEST_FILE OPERATIONS_PER_REQUEST SECONDS
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s OPS_FILE REQUEST_FILE OPERATIONS_PER_REQUEST SECONDS\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) { perror(argv[2]); return 1; }
    static char request[1 << 20];
    size_t length = fread(request, 1, sizeof(request), f);
    fclose(f);
    int per = atoi(argv[3]);
    double seconds = atof(argv[4]);
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) { perror(argv[1]); return 1; }
    static char answer[4 << 20];
    long requests = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        if (write(fd, request, length) != (ssize_t)length) { perror("write"); return 1; }
        ssize_t got, total = 0;
        while ((got = read(fd, answer + total, sizeof(answer) - total)) > 0) total += got;
        if (got < 0) { perror("read"); return 1; }
        if (total == 0 || strstr(answer, "\"error\"") != NULL) {
            fprintf(stderr, "opsloop: the answer is an error: %.*s\n", (int)(total < 300 ? total : 300), answer);
            return 1;
        }
        requests++;
    }
    double elapsed = now() - start;
    printf("%.0f\n", requests * per / elapsed);
    close(fd);
    return 0;
}
