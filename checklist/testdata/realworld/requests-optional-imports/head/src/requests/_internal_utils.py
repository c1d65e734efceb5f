def to_native_string(s):
    return s
