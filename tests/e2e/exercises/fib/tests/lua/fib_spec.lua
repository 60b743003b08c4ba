-- The student's main.lua defines fib as a global.
dofile("main.lua")

it("small", function() assert.are.same({1, 1}, {fib(1), fib(2)}) end)
it("ten", function() assert.are.equal(55, fib(10)) end)
it("twenty", function() assert.are.equal(6765, fib(20)) end)
