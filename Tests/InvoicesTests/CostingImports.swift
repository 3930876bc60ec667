// The costing files compile in this harness as module MCDECosting and in the root package
// inside the MCDE service target: the tests import whichever exists.
#if canImport(MCDECosting)
@_exported import MCDECosting
#else
@_exported import MCDE
#endif
