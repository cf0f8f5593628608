/* A static program that waits until it is killed: the idle box of the density benchmark. */
#include <unistd.h>

int main(void)
{
    for (;;)
        pause();
}
