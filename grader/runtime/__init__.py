"""Everything that runs next to student code, copied whole into every sandbox.

The sandbox child (:mod:`.child`), the zygote that forks children (:mod:`.zygote`), the
probe runner (:mod:`.probes`), the data-only wire format (:mod:`.wire`) and its framing
(:mod:`.framing`), and the OS confinement (:mod:`.confinement`). These modules import only
the standard library, numpy/torch (through the probes) and each other, so a copy of this
package is all a child needs: it never sees the repository, the reference or the tests.
"""
