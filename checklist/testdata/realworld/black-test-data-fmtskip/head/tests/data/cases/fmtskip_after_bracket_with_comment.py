# A `# fmt: skip` on a line that opens a bracket, combined with a standalone
# comment among the bracket's contents, used to crash.

from m import (
# fmt: skip
    # comment
    a
)

from m import (  # fmt: skip
    # comment
    a
)
