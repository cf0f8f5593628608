/* A static program that waits until it is killed: the idle box of the density benchmark.
 * "idle KIB PATH" first writes KIB KiB to PATH (fleet's image part: a box's own writes). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static char block[1024];

    if (argc == 3) {
        long kib = strtol(argv[1], NULL, 10);
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        memset(block, 'x', sizeof block);
        for (long i = 0; fd >= 0 && i < kib; i++)
            if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
                return 1;
        if (fd < 0 || close(fd) < 0)
            return 1;
    }
    for (;;)
        pause();
}
