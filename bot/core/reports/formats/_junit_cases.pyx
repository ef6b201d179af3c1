# cython: language_level=3
"""The compiled twin of ``junit_cases.read_cases``: read the ``<testcase>`` children of an
element straight from lxml's C tree.

A 100k-case report is mostly plain passing cases; reading them through lxml's Python API
costs a proxy object, a list of keys and a list of values per case, and building the
``TestCase`` through its dataclass ``__init__`` costs a Python frame. Here a plain case is
read from libxml2's node and attribute structs (lxml's public C API, ``etreepublic.pxd``),
and its ``TestCase`` is filled in slot by slot. Every other case, and anything unusual, goes
to the same Python code as without this module (``builder.read_case``), and the tests run
both walkers over the same reports (see docs/reports.md#performance).
"""

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.math cimport isfinite
from libc.string cimport strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport (
    LXML_VERSION_STRING, _Element, elementFactory, import_lxml__etree
)

import dataclasses

from lxml import etree

from bot.core.reports.common import parse_seconds
from bot.core.reports.model import Outcome, TestCase, repeats_title

cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    double PyOS_string_to_double(const char* s, char** endptr, PyObject* overflow) noexcept
    void PyErr_Clear() noexcept
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t nitems)
    void PyObject_GC_UnTrack(object obj) noexcept
    Py_ssize_t PyUnicode_Tailmatch(object text, object suffix, Py_ssize_t start,
                                   Py_ssize_t end, int direction) except -1
    PyObject* PyDict_SetDefault(object mapping, object key, object default) except NULL

cdef extern from "etree_defs.h":
    bint _isElement(tree.xmlNode* c_node) noexcept nogil

import_lxml__etree()

cdef int T_OBJECT_EX = 16  # structmember.h
# TestCase's fields in order; the fast constructor sets each one (see _setup()).
_FIELDS = (
    "test_id", "name", "outcome", "classname", "suite", "file", "line", "duration_s",
    "failure_type", "message", "trace", "stdout", "stderr", "attempts", "properties",
)
cdef Py_ssize_t _offsets[15]
cdef object _passed = Outcome.PASSED
cdef object _no_attempts = ()
cdef object _case_type = TestCase


def _setup():
    """Check that lxml is the major version this was built against, find where ``TestCase``
    keeps each field, and check that its fields and defaults are the ones ``_new_case``
    fills in; otherwise refuse to load (the pure-Python reader is used)."""
    built = (<bytes>LXML_VERSION_STRING).decode()
    if built.split(".")[0] != etree.__version__.split(".")[0]:
        raise ImportError(f"built against lxml {built}, running lxml {etree.__version__}")
    fields = dataclasses.fields(TestCase)
    if tuple(f.name for f in fields) != _FIELDS or TestCase.__slots__ != _FIELDS:
        raise ImportError("TestCase's fields changed: update _junit_cases.pyx")
    defaults = [f.default for f in fields[6:13]]
    if defaults != [None] * 7 or fields[13].default != () or fields[14].default_factory is not dict:
        raise ImportError("TestCase's defaults changed: update _junit_cases.pyx")
    for index, name in enumerate(_FIELDS):
        descriptor = TestCase.__dict__[name]
        if type(descriptor).__name__ != "member_descriptor":
            raise ImportError(f"TestCase.{name} is not a slot")
        member = (<PyMemberDescrObject*>descriptor).d_member
        if member.type != T_OBJECT_EX:
            raise ImportError(f"TestCase.{name} is not an object slot")
        _offsets[index] = member.offset


_setup()


cdef inline void _fill(object case, int index, object value) noexcept:
    Py_INCREF(value)
    (<PyObject**>((<char*><PyObject*>case) + _offsets[index]))[0] = <PyObject*>value


cdef object _new_case(object test_id, object name, object classname, object suite,
                      object file, object duration):
    """``TestCase(test_id, name, PASSED, classname, suite, file, None, duration)``.

    The case is not tracked by the cyclic garbage collector: it holds only strings, a
    float, the ``Outcome`` member and empty containers, so it cannot be part of a cycle
    (CPython does the same for tuples and dicts of such values). It saves one collector
    pass over every case when the collector resumes after the parse.
    """
    cdef object properties = {}
    cdef object case = PyType_GenericAlloc(<PyTypeObject*>_case_type, 0)
    cdef int index
    _fill(case, 0, test_id)
    _fill(case, 1, name)
    _fill(case, 2, _passed)
    _fill(case, 3, classname)
    _fill(case, 4, suite)
    _fill(case, 5, file)
    _fill(case, 6, None)
    _fill(case, 7, duration)
    for index in range(8, 13):
        _fill(case, index, None)
    _fill(case, 13, _no_attempts)
    _fill(case, 14, properties)
    PyObject_GC_UnTrack(case)
    return case


cdef inline bint _named(tree.xmlNode* node, const char* name) noexcept:
    return strcmp(<const char*>node.name, name) == 0


cdef inline bint _is_kept(tree.xmlNode* node) noexcept:
    """What a suite keeps for its own end: output, properties, failures, nested suites."""
    cdef const char* name = <const char*>node.name
    return (
        strcmp(name, "system-out") == 0 or strcmp(name, "system-err") == 0
        or strcmp(name, "properties") == 0 or strcmp(name, "failure") == 0
        or strcmp(name, "error") == 0 or strcmp(name, "testsuite") == 0
        or strcmp(name, "testsuites") == 0
    )


cdef inline bint _has_result(tree.xmlNode* case) noexcept:
    """Whether a case has a child that makes it more than a plain pass."""
    cdef tree.xmlNode* child = case.children
    cdef const char* name
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE and child.ns is NULL:
            name = <const char*>child.name
            if (
                strcmp(name, "failure") == 0 or strcmp(name, "error") == 0
                or strcmp(name, "skipped") == 0 or strcmp(name, "properties") == 0
                or strcmp(name, "rerunFailure") == 0 or strcmp(name, "rerunError") == 0
                or strcmp(name, "flakyFailure") == 0 or strcmp(name, "flakyError") == 0
            ):
                return True
        child = child.next
    return False


cdef double[16] _POWERS_OF_TEN = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15
]


cdef inline bint _plain_decimal(const char* text, double* value) noexcept:
    """Read ``digits[.digits]`` with at most 15 digits, as ``float(text)`` would.

    Such a number's digits fit a double exactly and so does the power of ten, so one
    division gives the correctly rounded result (the classic fast path of every strtod).
    Anything else (signs, exponents, more digits, commas) is left to the general parser.
    """
    cdef long long digits = 0
    cdef int count = 0, decimals = 0
    cdef bint point = False
    cdef char c
    while True:
        c = text[0]
        if c'0' <= c <= c'9':
            digits = digits * 10 + (c - c'0')
            count += 1
            if point:
                decimals += 1
        elif c == c'.' and not point:
            point = True
        else:
            break
        text += 1
    if c != 0 or count == 0 or count > 15:
        return False
    value[0] = <double>digits / _POWERS_OF_TEN[decimals]
    return True


cdef inline const char* _simple_value(tree.xmlAttr* attr) noexcept:
    """An attribute's text when it is one plain text node, else NULL."""
    cdef tree.xmlNode* text = attr.children
    if attr.ns is not NULL or text is NULL or text.next is not NULL:
        return NULL
    if text.type != tree.XML_TEXT_NODE:
        return NULL
    return <const char*>text.content


cdef class _Walk:
    """One read of an element's children: the suite's state held in C variables."""

    cdef object builder, frame, cases, seen, identities
    cdef _Element container
    cdef object prefix, classname, suite, file
    cdef const char* last_class
    cdef Py_ssize_t count

    def __cinit__(self, builder, _Element container):
        self.builder = builder
        self.frame = builder.frames[-1] if builder.frames else None
        self.cases = builder.report.cases
        if self.frame is not None:
            self.seen = self.frame.seen
            self.identities = self.frame.identities
        self.container = container
        self.last_class = NULL
        self.count = 0

    cdef int read_plain(self, tree.xmlNode* node) except -1:
        """Read ``node`` if it is a plain case; 1 when read, 0 when it needs the slow path."""
        cdef tree.xmlAttr* attr = node.properties
        cdef const char* name_c = NULL
        cdef const char* class_c = NULL
        cdef const char* time_c = NULL
        cdef const char* value
        cdef const char* attr_name
        cdef char* end
        cdef double seconds
        cdef int attributes = 0
        if self.frame is None or _has_result(node):
            return 0
        while attr is not NULL:
            attributes += 1
            value = _simple_value(attr)
            if value is NULL:
                return 0
            attr_name = <const char*>attr.name
            if strcmp(attr_name, "name") == 0:
                name_c = value
            elif strcmp(attr_name, "classname") == 0:
                class_c = value
            elif strcmp(attr_name, "time") == 0:
                time_c = value
            else:
                return 0
            attr = attr.next
        if attributes != 3 or name_c is NULL or class_c is NULL or time_c is NULL:
            return 0
        if name_c[0] == 0 or class_c[0] == 0:
            return 0
        name = PyUnicode_DecodeUTF8(name_c, strlen(name_c), NULL)
        if self.last_class is NULL or strcmp(class_c, self.last_class) != 0:
            raw_class = PyUnicode_DecodeUTF8(class_c, strlen(class_c), NULL)
            identity = self.identities.get(raw_class)
            if identity is None:
                identity = self.builder.identity(raw_class, None)
            self.prefix, self.classname = identity.prefix, identity.classname
            self.suite, self.file = identity.suite, identity.file
            self.last_class = class_c
        raw_class = self.classname
        if PyUnicode_Tailmatch(name, raw_class, 0, len(name), 1) and repeats_title(raw_class, name):
            return 0
        if _plain_decimal(time_c, &seconds):
            duration = seconds
        else:
            seconds = PyOS_string_to_double(time_c, &end, NULL)
            if end == time_c or end[0] != 0:
                PyErr_Clear()
                duration = parse_seconds(PyUnicode_DecodeUTF8(time_c, strlen(time_c), NULL))
            elif seconds >= 0 and isfinite(seconds):
                duration = seconds
            else:
                duration = None
        test_id = self.prefix + name
        case = _new_case(test_id, name, raw_class, self.suite, self.file, duration)
        self.count += 1
        cdef object index = len(self.cases)  # one int object: setdefault returns it if new
        if PyDict_SetDefault(self.seen, test_id, index) is <PyObject*>index:
            self.cases.append(case)
        else:
            self.builder.add_again(self.frame, case)
        return 1

    cdef int walk(self, tree.xmlNode* parent, tree.xmlNode* stop, list runs) except -1:
        """Read the cases among ``parent``'s children before ``stop``; with ``runs``, note
        the index ranges of the children read (to delete them)."""
        cdef tree.xmlNode* node = parent.children
        cdef Py_ssize_t index = 0, run_start = -1
        cdef bint read
        while node is not NULL and node is not stop:
            if not _isElement(node):
                node = node.next
                continue
            read = True
            if node.type != tree.XML_ELEMENT_NODE:
                read = False
            elif node.ns is not NULL:
                self.walk(node, NULL, None)  # "{ns}testcase" is no case: a wrapper
            elif _is_kept(node):
                read = False
            elif _named(node, "testcase"):
                if not self.read_plain(node):
                    self.builder.read_case(elementFactory(self.container._doc, node))
            else:
                self.walk(node, NULL, None)  # a wrapper: its cases belong to the suite
            if runs is not None:
                if read and run_start < 0:
                    run_start = index
                elif not read and run_start >= 0:
                    runs.append((run_start, index))
                    run_start = -1
            index += 1
            node = node.next
        if runs is not None and run_start >= 0:
            runs.append((run_start, index))
        return 0


def read_cases(builder, _Element container, _Element stop=None):
    """Read the ``<testcase>`` children of ``container`` (and of wrapper elements in it)
    before ``stop`` (all when ``None``), then delete what was read."""
    cdef _Walk walk = _Walk(builder, container)
    cdef list runs = []
    walk.walk(container._c_node, stop._c_node if stop is not None else NULL, runs)
    if walk.frame is not None:
        walk.frame.case_count += walk.count
    for start, end in reversed(runs):
        del container[start:end]
