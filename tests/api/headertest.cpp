// box.h must be usable from C++.
#include <box.h>

int main()
{
    box_status_t st = box_status_t();
    return st.exit_code;
}
