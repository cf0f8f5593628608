/* A static no-op program: the thing every spawn benchmark case runs. */
int main(void)
{
    return 0;
}
